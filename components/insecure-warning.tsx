import { FieldError } from './field-error';
import { Icon } from './icon';

interface InsecureWarningProps {
  checked: boolean;
  onChange: (checked: boolean) => void;
  error: string | null;
  inputRef: (element: HTMLInputElement | null) => void;
}

/** Plain POP3 sends the password in the clear: say so, and ask for an explicit yes. */
export function InsecureWarning({ checked, onChange, error, inputRef }: InsecureWarningProps) {
  return (
    <div className="rounded-md border border-amber-400 bg-amber-50 p-3 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950/50 dark:text-amber-100">
      <p id="insecure-warning" className="flex items-start gap-2 font-medium">
        <Icon name="warning" className="mt-0.5 h-4 w-4 shrink-0" />
        Without encryption, your password and your mail travel in the clear. Anyone on the network path can read them.
      </p>
      <div className="mt-3 flex items-start gap-2">
        <input
          ref={inputRef}
          id="allowInsecure"
          name="allowInsecure"
          type="checkbox"
          checked={checked}
          onChange={(event) => onChange(event.target.checked)}
          aria-invalid={error ? true : undefined}
          aria-describedby={['insecure-warning', error ? 'allowInsecure-error' : ''].filter(Boolean).join(' ')}
          className="mt-0.5 h-4 w-4 accent-amber-700"
        />
        <label htmlFor="allowInsecure">I understand: send my password unencrypted</label>
      </div>
      <FieldError id="allowInsecure-error" message={error} />
    </div>
  );
}
