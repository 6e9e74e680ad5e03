/**
 * The part of a connect string that is safe and useful in a log line: host,
 * port and service. Easy Connect strings may carry parameters
 * (`?wallet_location=...`), descriptors may carry anything, so we never log
 * the raw string.
 */
export function connectTarget(connectString: string): string {
  const s = connectString.trim();
  if (s.startsWith('(')) {
    const pick = (key: string) => new RegExp(`\\(\\s*${key}\\s*=\\s*([^)\\s]+)`, 'i').exec(s)?.[1];
    const host = pick('HOST') ?? '?';
    const port = pick('PORT');
    const service = pick('SERVICE_NAME') ?? pick('SID') ?? '?';
    return `${host}${port ? `:${port}` : ''}/${service}`;
  }
  // Drop any parameters and anything that looks like credentials before '@'.
  const withoutParams = s.split('?')[0] ?? '';
  const at = withoutParams.lastIndexOf('@');
  return at >= 0 ? withoutParams.slice(at + 1) : withoutParams;
}
