import type { ReactNode } from 'react';
import { FieldError } from './field-error';

/** What a field hands to its control: the id the label names, and the ARIA wiring to its hint and error. */
export interface FieldControlProps {
  id: string;
  name: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
  className: string;
}

interface FormFieldProps {
  /** The control's id and name; its hint is `${name}-hint`, its error `${name}-error`. */
  name: string;
  label: string;
  /** The sentence of an error that concerns this field, or null. */
  error: string | null;
  hint?: ReactNode;
  /** Shown after the error, e.g. an offer that belongs to this field. */
  after?: ReactNode;
  /** The error sentence is placed by the form (a narrow field): the control is still marked and described by it. */
  errorPlacedByForm?: boolean;
  /** The input or select itself, given the props that tie it to the label, hint and error. */
  children: (control: FieldControlProps) => ReactNode;
}

/** One labelled control with its hint and error sentence, wired for screen readers the same way every time. */
export function FormField({ name, label, error, hint, after, errorPlacedByForm, children }: FormFieldProps) {
  const describedBy = [error ? `${name}-error` : '', hint ? `${name}-hint` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div>
      <label htmlFor={name} className="field-label">
        {label}
      </label>
      {children({ id: name, name, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy, className: 'field-input' })}
      {hint ? (
        <p id={`${name}-hint`} className="mt-1 text-xs text-slate-600 dark:text-slate-400">
          {hint}
        </p>
      ) : null}
      {errorPlacedByForm ? null : <FieldError id={`${name}-error`} message={error} />}
      {after}
    </div>
  );
}
