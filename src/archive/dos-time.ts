/**
 * MS-DOS date/time fields of ZIP headers, both ways (C55, C89).
 *
 * Upload writes a file's mtime as wall-clock time in the submitter's local time
 * zone, as the Nextstrain CLI does (C55); the job runs in UTC and reads it back
 * as UTC. Download reads the DOS fields as UTC (C89). The format holds the years
 * 1980-2107 at 2-second resolution; times outside are clamped to its ends
 * instead of failing the upload, a deliberate deviation from the CLI (C117).
 */

/** A DOS date and time as stored in ZIP headers: two 16-bit fields. */
export interface DosDateTime {
  date: number;
  time: number;
}

const FIRST = { date: (0 << 9) | (1 << 5) | 1, time: 0 }; // 1980-01-01 00:00:00
const LAST = { date: (127 << 9) | (12 << 5) | 31, time: (23 << 11) | (59 << 5) | (58 >> 1) }; // 2107-12-31 23:59:58

/** The DOS fields for a moment, in the local time zone of this process, clamped to 1980-2107. */
export function toLocalDosDateTime(moment: Date): DosDateTime {
  const year = moment.getFullYear();
  if (Number.isNaN(year) || year < 1980) return { ...FIRST };
  if (year > 2107) return { ...LAST };
  return {
    date: ((year - 1980) << 9) | ((moment.getMonth() + 1) << 5) | moment.getDate(),
    time: (moment.getHours() << 11) | (moment.getMinutes() << 5) | (moment.getSeconds() >> 1),
  };
}

/** Seconds since the Unix epoch of DOS fields read as UTC, as the CLI's download does. */
export function dosDateTimeToUtcSeconds({ date, time }: DosDateTime): number {
  // Out-of-range fields (a zero day or month, from odd writers) roll over
  // instead of failing: a slightly wrong mtime beats an aborted download.
  const ms = Date.UTC(
    (date >> 9) + 1980,
    ((date >> 5) & 0x0f) - 1,
    date & 0x1f,
    time >> 11,
    (time >> 5) & 0x3f,
    (time & 0x1f) * 2,
  );
  return ms / 1000;
}
