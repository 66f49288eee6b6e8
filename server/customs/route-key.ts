// A route is where customs raise the inspection ratio: the outlet's city, the destination, the channel
// (CONTRACT.md: `<outlet city code, 4 digits>-<destination country>-<channel>`). Pure and browser-safe.
export type Channel = 'postal' | 'express';

export function routeKeyOf(regionCode: string, country: string, channel: Channel): string {
  return `${regionCode.slice(0, 4)}-${country}-${channel}`;
}

export const ROUTE_KEY = /^(\d{4})-([A-Z]{2})-(postal|express)$/;
