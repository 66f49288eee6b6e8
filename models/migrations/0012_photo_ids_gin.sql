-- Who may see a photo is decided by the parcels carrying it (photo_ids @> {id}); a GIN index finds them
-- without scanning an outlet's inspections. This migration's snapshot is the first since 0008 and so also
-- describes what the hand-written 0009 (alert owner, notes) and 0011 (account security) added.
CREATE INDEX "parcel_inspections_photo_ids_gin" ON "parcel_inspections" USING gin ("photo_ids");
