// Where a webhook may point. Only http(s), no credentials in the address; in production no private, loopback or
// link-local address (SSRF: the server must not be made to call its own network), checked when subscribing and
// again on every connection (the resolver's answer may change after the check). Outside production local
// receivers are allowed, so tests and a developer's laptop can listen on 127.0.0.1.
import dns from 'node:dns';
import net from 'node:net';

const blocked = new net.BlockList();
for (const [addr, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(addr, prefix, 'ipv4');
for (const [addr, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) blocked.addSubnet(addr, prefix, 'ipv6');

export function isPrivateAddress(ip: string): boolean {
  const family = net.isIP(ip);
  if (family === 0) return false;
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (mapped) return blocked.check(mapped[1]!, 'ipv4');
    return blocked.check(ip, 'ipv6');
  }
  return blocked.check(ip, 'ipv4');
}

export type UrlProblem = { code: 'WEBHOOK_URL_INVALID' } | { code: 'WEBHOOK_URL_PRIVATE'; host: string };

/** The form of a webhook address, and (production) that its host does not resolve to a private address. */
export async function checkWebhookUrl(raw: string, production: boolean): Promise<UrlProblem | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { code: 'WEBHOOK_URL_INVALID' };
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || !url.hostname) return { code: 'WEBHOOK_URL_INVALID' };
  if (!production) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return { code: 'WEBHOOK_URL_PRIVATE', host };
  const addresses = net.isIP(host) ? [host] : await dns.promises.lookup(host, { all: true }).then((a) => a.map((x) => x.address), () => []);
  if (addresses.some(isPrivateAddress)) return { code: 'WEBHOOK_URL_PRIVATE', host };
  return null;
}

/** A `lookup` for http(s).request that refuses private answers (production), so DNS rebinding after the check gains nothing. */
export function guardedLookup(production: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return (callback as (e: Error | null, a: dns.LookupAddress[]) => void)(err, []);
      const list = addresses as unknown as dns.LookupAddress[];
      if (production && list.some((a) => isPrivateAddress(a.address))) {
        return (callback as (e: Error | null, a: dns.LookupAddress[]) => void)(Object.assign(new Error('private address refused'), { code: 'WEBHOOK_URL_PRIVATE' }), []);
      }
      if ((options as { all?: boolean }).all) return (callback as (e: Error | null, a: dns.LookupAddress[]) => void)(null, list);
      const first = list[0]!;
      return (callback as (e: Error | null, a: string, f: number) => void)(null, first.address, first.family);
    });
  };
}

/** The address without its query string or fragment, for showing and logging (a query may hold a receiver's token). */
export function urlWithoutQuery(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '[invalid]';
  }
}
