// Job kinds: a capability that needs work done later defines its kind here once (STYLE.md #11); it does not
// start its own timer. One registry per process; the runner looks kinds up by name.
import type { AppContext } from '../context.js';
import type { Job } from './store.js';

/** `now` is the runner's clock at the start of the attempt; scheduled kinds find their occurrence in the payload. */
export type JobHandler = (ctx: AppContext, job: Job, now: Date) => Promise<void>;

const kinds = new Map<string, JobHandler>();

export function defineJobKind(kind: string, handler: JobHandler): void {
  kinds.set(kind, handler);
}

export const jobHandler = (kind: string): JobHandler | undefined => kinds.get(kind);
