/**
 * Whether `address` is an agent address "host:port": a host name, an IPv4 address or a
 * bracketed IPv6 address, and a port in 1-65535. Checked before an address is dialled or
 * remembered, so a typo is refused with an example rather than retried forever.
 */
export function isAgentAddress(address: string): boolean {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(address);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}
