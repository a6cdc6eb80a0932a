/** IANA zone names the browser knows, UTC first; for the Timezone suggestions. */
export function timezoneNames(): string[] {
  let zones: string[];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = [];
  }
  return ['UTC', ...zones.filter((z) => z !== 'UTC')];
}

/** True when the runtime accepts the zone (aliases such as Europe/Kiev included). */
export function isValidTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** "UTC+01:00" for the zone right now, or null if unknown. */
export function utcOffset(zone: string, at = new Date()): string | null {
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(at);
    const name = parts.find((p) => p.type === 'timeZoneName')?.value;
    if (!name) return null;
    return name === 'GMT' ? 'UTC+00:00' : name.replace('GMT', 'UTC');
  } catch {
    return null;
  }
}

/** The wall-clock time in the zone, e.g. "14:05". */
export function localTime(zone: string, at = new Date()): string | null {
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: zone, hour: '2-digit', minute: '2-digit' }).format(at);
  } catch {
    return null;
  }
}
