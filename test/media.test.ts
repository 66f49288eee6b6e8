import assert from 'node:assert/strict';
import exifReader from 'exif-reader';
import sharp from 'sharp';
import { aParcel } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

/** A real camera-like JPEG: 640×320 stored sideways (EXIF orientation 6) with GPS coordinates. */
async function aJpegWithGps(): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 640, height: 320, channels: 3, background: '#3a7' } })
    .jpeg()
    .withExif({ IFD0: { Make: 'CounterCam', Model: 'H1' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '23/1 8/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '113/1 19/1 0/1' } })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  const meta = await sharp(jpeg).metadata();
  assert.ok(exifReader(meta.exif!).GPSInfo?.GPSLatitude, 'the fixture carries GPS');
  return jpeg;
}

describe('photos (POST /api/media)', () => {
  let s: TestServer;
  let courier: string;
  before(async () => {
    // A low pixel limit keeps the bomb test small: the same code path refuses any over-limit image.
    s = await startTestServer({ MEDIA_MAX_PIXELS: '4000000', MEDIA_MAX_BYTES: '2000000' });
    courier = await s.login('courier1');
  });
  after(() => s?.close());

  const upload = (buf: Buffer, filename: string, contentType = 'image/jpeg') =>
    s.http().post('/api/media').set('Authorization', `Bearer ${courier}`).attach('file', buf, { filename, contentType });

  it('a JPEG with EXIF GPS is stored upright with all metadata gone', async () => {
    const res = await upload(await aJpegWithGps(), 'IMG_0001.jpg').expect(201);
    assert.deepEqual([res.body.width, res.body.height, res.body.format], [320, 640, 'jpeg'], 'orientation applied');
    assert.match(res.body.sha256, /^[0-9a-f]{64}$/);
    const stored = await s.http().get(`/api/media/${res.body.id}`).set('Authorization', `Bearer ${courier}`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200);
    assert.equal(stored.headers['content-type'], 'image/jpeg');
    const meta = await sharp(stored.body as Buffer).metadata();
    assert.equal(meta.exif, undefined, 'no EXIF at all, GPS included');
    assert.equal(meta.orientation, undefined);
    assert.deepEqual([meta.width, meta.height], [320, 640]);
    const thumb = await s.http().get(`/api/media/${res.body.id}?size=thumb`).set('Authorization', `Bearer ${courier}`).expect(200);
    assert.ok(Number(thumb.headers['content-length']) < Number(stored.headers['content-length']));
  });

  it('a PNG that decodes to more pixels than allowed (a decompression bomb) is 413', async () => {
    const bomb = await sharp({ create: { width: 3000, height: 3000, channels: 3, background: '#000' } }).png({ compressionLevel: 9 }).toBuffer();
    assert.ok(bomb.length < 100_000, 'small on the wire');
    expectProblem(await upload(bomb, 'small.png', 'image/png'), 413, 'IMAGE_TOO_MANY_PIXELS');
  });

  it('a text file named .jpg is 415 NOT_AN_IMAGE: the bytes decide, not the name', async () => {
    expectProblem(await upload(Buffer.from('this is not a photo\n'.repeat(50)), 'photo.jpg'), 415, 'NOT_AN_IMAGE');
  });

  it('an anonymous upload is refused before its body is read: 401, not 413, however large', async () => {
    const res = await s.http().post('/api/media').attach('file', Buffer.alloc(2_100_000, 1), { filename: 'big.jpg', contentType: 'image/jpeg' });
    expectProblem(res, 401, 'UNAUTHENTICATED');
    const regulator = await s.login('regulator1');
    expectProblem(await s.http().post('/api/media').set('Authorization', `Bearer ${regulator}`).attach('file', Buffer.alloc(2_100_000, 1), 'big.jpg'), 403, 'ROLE_FORBIDDEN');
  });

  it('a file over the byte limit is 413, a JSON body is 415, no file is 400', async () => {
    expectProblem(await upload(Buffer.alloc(2_100_000, 1), 'big.jpg'), 413, 'PAYLOAD_TOO_LARGE');
    expectProblem(await s.http().post('/api/media').set('Authorization', `Bearer ${courier}`).send({ file: 'x' }), 415);
    expectProblem(await s.http().post('/api/media').set('Authorization', `Bearer ${courier}`).field('note', 'x'), 400);
  });

  const view = async (id: string, username: string) =>
    s.http().get(`/api/media/${id}`).set('Authorization', `Bearer ${await s.login(username)}`);

  it('a photo on no parcel yet is seen only at its outlet: 404 for a regulator of the same province and for another outlet', async () => {
    const id = (await upload(await aJpegWithGps(), 'a.jpg').expect(201)).body.id;
    const own = await view(id, 'courier1');
    assert.equal(own.status, 200);
    assert.equal(own.headers['cache-control'], 'private, no-store');
    expectProblem(await view(id, 'regulator1'), 404, 'MEDIA_NOT_FOUND');
    expectProblem(await view(id, 'customs1'), 404, 'MEDIA_NOT_FOUND');
    expectProblem(await view(id, 'regulator2'), 404, 'MEDIA_NOT_FOUND');
    expectProblem(await view(id, 'courier2'), 404, 'MEDIA_NOT_FOUND');
    expectProblem(await s.http().get('/api/media/not-a-uuid').set('Authorization', `Bearer ${courier}`), 400);
  });

  it('once an intake carries a photo, whoever may see the parcel sees it: its regulator, not another jurisdiction', async () => {
    const id = (await upload(await aJpegWithGps(), 'c.jpg').expect(201)).body.id;
    await s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(aParcel({ inspection: { photoIds: [id] } })).expect(201);
    const seen = await view(id, 'regulator1');
    assert.equal(seen.status, 200);
    assert.equal(seen.headers['cache-control'], 'private, no-store');
    assert.equal((await s.http().get(`/api/media/${id}?size=thumb`).set('Authorization', `Bearer ${await s.login('regulator1')}`)).status, 200);
    assert.equal((await view(id, 'courier1')).status, 200);
    expectProblem(await view(id, 'regulator2'), 404, 'MEDIA_NOT_FOUND');
    expectProblem(await view(id, 'courier2'), 404, 'MEDIA_NOT_FOUND');
    // The parcel goes abroad: the province's customs officers see it, and so its photos.
    assert.equal((await view(id, 'customs1')).status, 200);
  });

  it('an intake can carry its inspection photos; another outlet cannot borrow them', async () => {
    const photo = (await upload(await aJpegWithGps(), 'b.jpg').expect(201)).body.id;
    const body = aParcel({ inspection: { photoIds: [photo] } });
    await s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(body).expect(201);
    const stored = await s.http().get(`/api/parcels/${body.waybillNo}`).set('Authorization', `Bearer ${courier}`).expect(200);
    assert.deepEqual(stored.body.parcel.inspection.photoIds, [photo]);
    const other = await s.login('courier2');
    const res = await s.http().post('/api/parcels').set('Authorization', `Bearer ${other}`).send(aParcel({ inspection: { photoIds: [photo] } }));
    expectProblem(res, 422, 'PHOTO_UNKNOWN');
  });
});
