/**
 * A list of every instrument by category. Hovering or focusing an option previews
 * its sound; choosing one calls onChoose. Used to add a track and to change one.
 */
import { useEffect, useRef } from 'react';
import { INSTRUMENT_CATEGORIES, INSTRUMENTS } from '../../core';
import { useSessionContext } from './SessionContext';

const CATEGORY_LABEL = { drums: 'Drums', bass: 'Bass', keys: 'Keys', leads: 'Leads', pads: 'Pads', fx: 'FX' } as const;

export function InstrumentPicker({
  label,
  current,
  onChoose,
  onClose,
}: {
  label: string;
  current?: string;
  onChoose: (instrument: string) => void;
  onClose: () => void;
}) {
  const { engine } = useSessionContext();
  const ref = useRef<HTMLDivElement>(null);
  const previewTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    ref.current?.querySelector<HTMLButtonElement>('[aria-current="true"], button')?.focus();
    const onDown = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) onClose();
    };
    addEventListener('mousedown', onDown);
    return () => {
      removeEventListener('mousedown', onDown);
      if (previewTimer.current) clearTimeout(previewTimer.current);
    };
  }, [onClose]);

  const preview = (id: string) => {
    if (previewTimer.current) clearTimeout(previewTimer.current);
    previewTimer.current = setTimeout(() => void engine.preview(id), 120);
  };

  return (
    <div
      className="picker"
      role="dialog"
      aria-label={label}
      ref={ref}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        }
      }}
    >
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
