/** What the UI calls an instrument: the catalogue's name, or an own sound's name from session.sounds. */
import { instrumentInfo } from '../../core/instruments';
import { soundKeyOf } from './format';

export interface SoundEntry {
  name: string;
  seconds: number;
}

/** The session's own sounds (model 6's session.sounds; none in an older document). */
export function soundsOf(session: object | null | undefined): Readonly<Record<string, SoundEntry>> {
  return (session as { sounds?: Record<string, SoundEntry> } | null | undefined)?.sounds ?? {};
}

export function instrumentName(session: object | null | undefined, instrument: string): string {
  const key = soundKeyOf(instrument);
  if (key) return soundsOf(session)[key]?.name ?? 'Own sound';
  return instrumentInfo(instrument)?.name ?? instrument;
}
