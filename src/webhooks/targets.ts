import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { promisify } from 'node:util';
import ipaddr from 'ipaddr.js';
import { ErrorType, HoldpointError } from '../contracts/errors';

const lookupAll = promisify(dnsLookup);

/**
 * Where webhooks may point. Private, loopback, link-local, carrier-grade NAT and other non-public
 * addresses are refused (a webhook must not become a way into the network holdpoint runs in), unless
 * the host is listed in HOLDPOINT_WEBHOOK_ALLOWED_HOSTS.
 */
export class TargetPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(allowedHosts: readonly string[] = []) {
    this.allowed = new Set(allowedHosts.map((h) => h.trim().toLowerCase()).filter(Boolean));
  }

  isAllowedHost(host: string): boolean {
    return this.allowed.has(stripBrackets(host).toLowerCase());
  }

  /** Throws a 400 naming the rule when the URL's host is, or resolves to, an address webhooks may not reach. */
  async check(url: string): Promise<void> {
    const parsed = new URL(url);
    const host = stripBrackets(parsed.hostname);
    if (this.isAllowedHost(host)) return;
    let addresses: string[];
    if (ipaddr.isValid(host)) addresses = [host];
    else {
      try {
        addresses = ((await lookupAll(host, { all: true })) as LookupAddress[]).map((a) => a.address);
      } catch {
        throw refused(`url: host "${host}" does not resolve`, 'webhook_target_resolves');
      }
    }
    for (const address of addresses) {
      const range = rangeOf(address);
      if (range !== 'unicast') {
        throw refused(
          `url: ${host} is a ${range} address (${address}); webhooks may only reach public addresses unless HOLDPOINT_WEBHOOK_ALLOWED_HOSTS lists the host`,
          'webhook_target_public',
        );
      }
    }
  }

  /**
   * A `lookup` for `http.request` that refuses non-public addresses at connect time, so a name that
   * resolved to a public address when the webhook was created cannot be pointed inward later.
   */
  guardedLookup(): typeof dnsLookup {
    const isAllowed = (host: string) => this.isAllowedHost(host);
    return function guarded(hostname: string, options: unknown, callback?: unknown) {
      const cb = (typeof options === 'function' ? options : callback) as (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
      const opts = (typeof options === 'object' && options !== null ? options : {}) as { all?: boolean };
      dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
        if (err) return cb(err, '', 0);
        const list = addresses as LookupAddress[];
        if (!isAllowed(hostname)) {
          const bad = list.find((a) => rangeOf(a.address) !== 'unicast');
          if (bad) {
            const error = Object.assign(new Error(`${hostname} resolved to ${bad.address}, which webhooks may not reach`), { code: 'EHOLDPOINTTARGET' });
            return cb(error, '', 0);
          }
        }
        if (opts.all) return cb(null, list);
        const first = list[0]!;
        return cb(null, first.address, first.family);
      });
    } as typeof dnsLookup;
  }
}

/** ipaddr.js's range name, with IPv4-mapped IPv6 judged by the IPv4 address it carries. */
export function rangeOf(address: string): string {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range();
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function refused(message: string, rule: string): HoldpointError {
  return new HoldpointError(ErrorType.InvalidRequest, message, { field: 'url', rule });
}
