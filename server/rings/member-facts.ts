// What the ring step records about a parcel beyond who sends what where (issue 16): whether its declared value
// is implausibly low for its brand or category (price floors kept as data), the sender's name as a key (one ID
// number under several names is a lent identity), and what the ID number itself contradicts.
import type { RingPolicy } from '../config.js';
import type { IntakeState } from '../intake/pipeline.js';

export type MemberFacts = {
  /** A protected brand or priority category declared far below its price floor. */
  implausible: boolean;
  /** The sender's name as a matching key (see watchlist/normalize nameKey). */
  senderNameKey: string;
  /** BIRTH_DATE or SEX when the ID number contradicts what is declared elsewhere, else null. */
  identityConflict: string | null;
};

/** Facts about one intake for the ring step. Runs inside the intake transaction (`s.tx`); keep it to one round trip at most. */
export async function memberFacts(_s: IntakeState, _brand: string | null, _policy: RingPolicy): Promise<MemberFacts> {
  return { implausible: false, senderNameKey: '', identityConflict: null };
}
