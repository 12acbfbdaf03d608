/** What the UI calls an instrument: the catalogue's name, or an own sound's name from session.sounds. */
import { instrumentInfo, soundKeyOf } from '../../core/instruments';
import type { SoundInfo } from '../../core/model';

/** The session's own sounds (none in a document older than model 6, before migration). */
export function soundsOf(session: { sounds?: Record<string, SoundInfo> } | null | undefined): Readonly<Record<string, SoundInfo>> {
  return session?.sounds ?? {};
}

export function instrumentName(session: { sounds?: Record<string, SoundInfo> } | null | undefined, instrument: string): string {
  const key = soundKeyOf(instrument);
  if (key) return soundsOf(session)[key]?.name ?? 'Own sound';
  return instrumentInfo(instrument)?.name ?? instrument;
}
