/**
 * A list of every instrument by category. Hovering or focusing an option previews
 * its sound; choosing one calls onChoose. Used to add a track and to change one.
 * It is a popover in the top layer (never clipped by the scrolling grid), anchored
 * to the button that opened it; Escape and a click outside close it.
 */
import { useEffect, useRef } from 'react';
import { INSTRUMENT_CATEGORIES, INSTRUMENTS } from '../../core';
import { useSessionContext } from './SessionContext';

const CATEGORY_LABEL = { drums: 'Drums', bass: 'Bass', keys: 'Keys', leads: 'Leads', pads: 'Pads', fx: 'FX' } as const;

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
    previewTimer.current = setTimeout(() => void engine.preview(id), 120);
  };

  return (
    <div className="picker" role="dialog" aria-label={label} ref={ref} popover="auto" style={{ ['positionAnchor' as string]: anchor }}>
      {INSTRUMENT_CATEGORIES.map((category) => (
        <section key={category} aria-label={CATEGORY_LABEL[category]}>
          <h3>{CATEGORY_LABEL[category]}</h3>
          <ul>
            {INSTRUMENTS.filter((i) => i.category === category).map((instrument) => (
              <li key={instrument.id}>
                <button
                  type="button"
                  aria-current={instrument.id === current}
                  onMouseEnter={() => preview(instrument.id)}
                  onFocus={() => preview(instrument.id)}
                  onClick={() => onChoose(instrument.id)}
                >
                  {instrument.name}
                  {instrument.kit && <small>{instrument.kit}</small>}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
