/** What the UI calls an instrument: the catalogue's name, or an own sound's name from session.sounds. */
import { instrumentInfo, soundKeyOf } from '../../core/instruments';
import type { SoundInfo } from '../../core/model';

const NONE: Readonly<Record<string, SoundInfo>> = Object.freeze({});

/**
 * The session's own sounds (none before a session is loaded). Always the same object for
 * the same session, so that it can be a store selector's result.
 */
export function soundsOf(session: { sounds?: Record<string, SoundInfo> } | null | undefined): Readonly<Record<string, SoundInfo>> {
  return session?.sounds ?? NONE;
}

export function instrumentName(session: { sounds?: Record<string, SoundInfo> } | null | undefined, instrument: string): string {
  const key = soundKeyOf(instrument);
  if (key) return soundsOf(session)[key]?.name ?? 'Own sound';
  return instrumentInfo(instrument)?.name ?? instrument;
}
