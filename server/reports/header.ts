// What every report says about itself: its period, scope, and who made it when (weekly and monthly alike).
import { z } from 'zod';

export const reportHeaderFields = {
  from: z.string(),
  to: z.string(),
  jurisdiction: z.string(),
  crossBorderOnly: z.boolean(),
  generatedAt: z.string(),
  generatedBy: z.string(),
};
