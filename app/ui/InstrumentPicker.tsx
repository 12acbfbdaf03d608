/**
 * A list of every instrument by family (drums sub-grouped by kit), with a search box
 * (name, kit or family; Enter takes the first match). Hovering or focusing an option
 * previews its sound (debounced, one at a time, and only once a gesture has allowed
 * audio: see AudioEngine.preview); choosing one calls onChoose. Used to add a track
 * and to change one. The session's own sounds (issue 16) come first, as "Own sounds".
 * It is a popover in the top layer (never clipped by the scrolling grid), anchored
 * to the button that opened it; Escape and a click outside close it.
 */
import { useEffect, useRef, useState } from 'react';
import { INSTRUMENT_CATEGORIES, INSTRUMENTS, type InstrumentInfo } from '../../core';
import { soundInstrument } from '../sounds/format';
import { soundsOf } from '../sounds/names';
import { useSession, useSessionContext } from './SessionContext';

/** Drum kits in catalogue order, for the sub-groups of the Drums family. */
const KITS = [...new Set(INSTRUMENTS.flatMap((i) => (i.kit ? [i.kit] : [])))];
/** How long the pointer or focus rests on an option before it sounds. */
const PREVIEW_DELAY_MS = 150;

const CATEGORY_LABEL = { drums: 'Drums', bass: 'Bass', keys: 'Keys', leads: 'Leads', pads: 'Pads', fx: 'FX' } as const;

/** Lower case, without accents, spaces or punctuation: "électro" and "Electro" are one. */
const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');

/** Whether every word of the query is in the instrument's name, kit or family. */
function matches(instrument: InstrumentInfo, query: string): boolean {
  const words = query.split(/\s+/).map(fold).filter(Boolean);
  const text = fold(`${instrument.name} ${instrument.kit ?? ''} ${CATEGORY_LABEL[instrument.category]}`);
  return words.every((w) => text.includes(w));
}

export function InstrumentPicker({
  label,
  anchor,
  current,
  onChoose,
  onClose,
}: {
  label: string;
  /** CSS anchor name of the button that opened the picker. */
  anchor: string;
  current?: string;
  onChoose: (instrument: string) => void;
  onClose: () => void;
}) {
  const { engine } = useSessionContext();
  const ref = useRef<HTMLDivElement>(null);
  const [query, setQuery] = useState('');
  const found = INSTRUMENTS.filter((i) => matches(i, query));
  // The session's own sounds (issue 16), first: the band's kit.
  const sounds = useSession((s) => soundsOf(s.session));
  const foundSounds = Object.entries(sounds)
    .filter(([, sound]) =>
      query
        .split(/\s+/)
        .map(fold)
        .filter(Boolean)
        .every((w) => fold(`${sound.name} own sounds`).includes(w)),
    )
    .sort(([, a], [, b]) => a.name.localeCompare(b.name))
    .map(([key, sound]) => ({ id: soundInstrument(key), name: sound.name }));
  const choices = [...foundSounds, ...found];
  const previewTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.showPopover();
    el.querySelector<HTMLButtonElement>('[aria-current="true"], button')?.focus();
    const onToggle = (e: Event) => (e as ToggleEvent).newState === 'closed' && onClose();
    el.addEventListener('toggle', onToggle);
    return () => {
      el.removeEventListener('toggle', onToggle);
      if (previewTimer.current) clearTimeout(previewTimer.current);
    };
  }, [onClose]);

  const preview = (id: string) => {
    if (previewTimer.current) clearTimeout(previewTimer.current);
    previewTimer.current = setTimeout(() => void engine.preview(id), PREVIEW_DELAY_MS);
  };

  const option = (instrument: Pick<InstrumentInfo, 'id' | 'name'>) => (
    <li key={instrument.id}>
      <button
        type="button"
        aria-current={instrument.id === current}
        onMouseEnter={() => preview(instrument.id)}
        onFocus={() => preview(instrument.id)}
        onClick={() => onChoose(instrument.id)}
      >
        {instrument.name}
      </button>
    </li>
  );

  return (
    <div className="picker" role="dialog" aria-label={label} ref={ref} popover="auto" style={{ ['positionAnchor' as string]: anchor }}>
      <input
        type="search"
        className="picker-search"
        aria-label="Search instruments"
        placeholder="Search instruments"
        value={query}
        onChange={(e) => setQuery(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && choices[0]) {
            e.preventDefault();
            onChoose(choices[0].id);
          }
        }}
      />
      {choices.length === 0 && <p className="picker-empty">No instrument matches “{query}”.</p>}
      {foundSounds.length > 0 && (
        <section aria-label="Own sounds">
          <h3>Own sounds</h3>
          <ul>{foundSounds.map(option)}</ul>
        </section>
      )}
      {INSTRUMENT_CATEGORIES.filter((category) => found.some((i) => i.category === category)).map((category) =>
        category === 'drums' ? (
          <section key={category} aria-label={CATEGORY_LABEL[category]} className="picker-drums">
            <h3>{CATEGORY_LABEL[category]}</h3>
            {KITS.filter((kit) => found.some((i) => i.kit === kit)).map((kit) => (
              <div key={kit} role="group" aria-label={kit}>
                <h4>{kit}</h4>
                <ul>{found.filter((i) => i.category === 'drums' && i.kit === kit).map(option)}</ul>
              </div>
            ))}
          </section>
        ) : (
          <section key={category} aria-label={CATEGORY_LABEL[category]}>
            <h3>{CATEGORY_LABEL[category]}</h3>
            <ul>{found.filter((i) => i.category === category).map(option)}</ul>
          </section>
        ),
      )}
    </div>
  );
}
