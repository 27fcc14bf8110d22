'use client';

import { useEffect, useRef, useState, type FormEvent, type RefObject } from 'react';
import type { ApiError } from './api-client';
import { asApiError } from './inbox-helpers';
import { getRules, putRules, type Rule } from './api-panels';
import { ErrorBanner } from './error-banner';
import { errorSentence } from './error-messages';
import { FormField } from './form-field';
import { Icon } from './icon';
import { PanelSheet } from './panel-sheet';
import { EMPTY_DRAFT, draftOf, ruleOf, type DraftField, type RuleDraft } from './rule-draft';
import { describeMatch, MAX_IMPORT_BYTES, parseRulesFile, rulesFile, withRule } from './rule-text';

interface RulesEditorProps {
  open: boolean;
  onClose: () => void;
  /** The rules changed on the server: proposals in the listing may differ now. */
  onChanged: () => void;
}


/** Which rule the form edits: a new one, or the one at `index`. */
type Editing = { kind: 'new' } | { kind: 'existing'; index: number };

/** This account's rules: list, add, edit, delete, import and export as JSON. Saved on the server at each change. */
export function RulesEditor({ open, onClose, onChanged }: RulesEditorProps) {
  const [rules, setRules] = useState<Rule[] | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [draft, setDraft] = useState<RuleDraft>(EMPTY_DRAFT);
  const [problem, setProblem] = useState<{ field: DraftField; message: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const [status, setStatus] = useState('');
  const fileInput = useRef<HTMLInputElement | null>(null);
  const firstField = useRef<HTMLInputElement | null>(null);
  const addButton = useRef<HTMLButtonElement | null>(null);

  useEffect(() => {
    if (!open) return;
    const controller = new AbortController();
    setLoadError(null);
    getRules(controller.signal)
      .then(setRules)
      .catch((cause: unknown) => {
        if (!controller.signal.aborted) setLoadError(asApiError(cause));
      });
    return () => controller.abort();
  }, [open, attempt]);

  useEffect(() => {
    if (!open) {
      setEditing(null);
      setStatus('');
    }
  }, [open]);

  useEffect(() => {
    if (editing) firstField.current?.focus();
  }, [editing]);

  // A problem with one field: go there, so the sentence next to it is what is read next.
  useEffect(() => {
    if (problem && problem.field !== 'form') document.getElementById(`rule-${problem.field}`)?.focus();
  }, [problem]);

  /** Sends the whole set; the server's answer is what is shown from then on. */
  const save = async (next: Rule[], done: string): Promise<boolean> => {
    setSaving(true);
    setStatus('');
    try {
      setRules(await putRules(next));
      setStatus(done);
      onChanged();
      return true;
    } catch (cause) {
      const error = asApiError(cause);
      setProblem({ field: 'form', message: `Not saved. ${errorSentence(error)}` });
      return false;
    } finally {
      setSaving(false);
    }
  };

  const startNew = () => {
    setProblem(null);
    setDraft(EMPTY_DRAFT);
    setEditing({ kind: 'new' });
  };
  const startEdit = (index: number) => {
    const rule = rules?.[index];
    if (!rule) return;
    setProblem(null);
    setDraft(draftOf(rule));
    setEditing({ kind: 'existing', index });
  };
  const stopEditing = () => {
    setEditing(null);
    setProblem(null);
    requestAnimationFrame(() => addButton.current?.focus());
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!rules || !editing || saving) return;
    const checked = ruleOf(draft);
    if ('field' in checked) {
      setProblem(checked);
      return;
    }
    setProblem(null);
    const clash = rules.some((rule, index) => rule.name.toLowerCase() === checked.rule.name.toLowerCase() && !(editing.kind === 'existing' && editing.index === index));
    if (clash) {
      setProblem({ field: 'name', message: 'Another rule has this name; choose another.' });
      return;
    }
    const next = editing.kind === 'new' ? [...rules, checked.rule] : rules.map((rule, index) => (index === editing.index ? checked.rule : rule));
    if (await save(next, editing.kind === 'new' ? `Rule “${checked.rule.name}” added.` : `Rule “${checked.rule.name}” saved.`)) stopEditing();
  };

  const remove = async (index: number) => {
    if (!rules) return;
    const rule = rules[index];
    if (!rule) return;
    setProblem(null);
    if (editing?.kind === 'existing') setEditing(null);
    await save(
      rules.filter((_, at) => at !== index),
      `Rule “${rule.name}” deleted.`,
    );
    requestAnimationFrame(() => addButton.current?.focus());
  };

  const exportRules = () => {
    if (!rules) return;
    const url = URL.createObjectURL(new Blob([rulesFile(rules)], { type: 'application/json' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = 'postern-rules.json';
    document.body.append(link);
    link.click();
    link.remove();
    // The download has its own copy of the bytes by now; the URL is released a moment later.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    setStatus(`Exported ${rules.length} rule${rules.length === 1 ? '' : 's'} as postern-rules.json.`);
  };

  const importFile = async (file: File | undefined) => {
    if (!file || !rules) return;
    setProblem(null);
    setStatus('');
    if (file.size > MAX_IMPORT_BYTES) {
      setProblem({ field: 'form', message: 'That file is too large to be a rules file.' });
      return;
    }
    const parsed = parseRulesFile(await file.text());
    if ('error' in parsed) {
      setProblem({ field: 'form', message: parsed.error });
      return;
    }
    // Imported rules are added to the ones here; a rule with the same conditions is not doubled.
    let next = rules;
    let added = 0;
    for (const rule of parsed.rules) {
      const result = withRule(next, { name: rule.name, match: rule.match, action: 'delete' });
      next = result.rules;
      if (result.added) added += 1;
    }
    const skipped = parsed.rules.length - added;
    await save(next, `Imported ${added} rule${added === 1 ? '' : 's'}${skipped ? ` (${skipped} already here)` : ''}.`);
  };

  const field = (name: keyof RuleDraft) => ({
    error: problem?.field === name ? problem.message : null,
    value: draft[name],
    onChange: (value: string) => setDraft((previous) => ({ ...previous, [name]: value })),
  });
  const formProblem = problem?.field === 'form' ? problem.message : null;

  return (
    <PanelSheet
      open={open}
      onClose={onClose}
      title="Rules"
      headingId="rules-heading"
      testId="rules-editor"
      description="Rules propose messages for deletion from their headers alone; nothing is downloaded and nothing is marked until you review the proposals."
    >
      <div className="flex flex-wrap items-center gap-2">
        <button ref={addButton} type="button" className="btn btn-primary" onClick={startNew} disabled={!rules || saving}>
          Add a rule
        </button>
        <span className="ml-auto" />
        <button type="button" className="btn btn-secondary" onClick={exportRules} disabled={!rules || rules.length === 0}>
          <Icon name="download" />
          Export
        </button>
        <button type="button" className="btn btn-secondary" onClick={() => fileInput.current?.click()} disabled={!rules || saving}>
          Import…
        </button>
        <input
          ref={fileInput}
          type="file"
          accept="application/json,.json"
          hidden
          aria-label="Rules file to import"
          onChange={(event) => {
            const file = event.target.files?.[0];
            event.target.value = '';
            void importFile(file);
          }}
        />
      </div>

      <p role="status" className="mt-3 min-h-5 text-sm text-slate-700 dark:text-slate-300">
        {status}
      </p>
      {formProblem && !editing ? (
        <p role="alert" className="mb-3 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100">
          {formProblem}
        </p>
      ) : null}

      {loadError ? <ErrorBanner error={loadError} context="The rules could not be loaded." onRetry={() => setAttempt((n) => n + 1)} /> : null}

      {rules === null && !loadError ? (
        <p className="text-sm text-slate-600 dark:text-slate-400" aria-busy="true">
          Loading the rules…
        </p>
      ) : null}

      {rules && rules.length === 0 && !editing ? (
        <p className="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400" data-testid="no-rules">
          No rules yet. Add one, or open a message and choose “Always delete mail like this”.
        </p>
      ) : null}

      {rules && rules.length > 0 ? (
        <ul aria-label="Rules" className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
          {rules.map((rule, index) => (
            <li key={`${rule.name}-${index}`} className="flex flex-wrap items-center gap-x-3 gap-y-2 px-3 py-2.5" data-testid="rule">
              <div className="min-w-0 flex-1 basis-60">
                <p className="font-medium break-words">{rule.name}</p>
                <p className="text-sm break-words text-slate-600 dark:text-slate-400">{describeMatch(rule.match)}</p>
              </div>
              <div className="flex gap-1">
                <button type="button" className="btn btn-ghost" onClick={() => startEdit(index)} disabled={saving} aria-label={`Edit rule ${rule.name}`}>
                  Edit
                </button>
                <button type="button" className="btn btn-ghost" onClick={() => void remove(index)} disabled={saving} aria-label={`Delete rule ${rule.name}`}>
                  <Icon name="trash" />
                  Delete
                </button>
              </div>
            </li>
          ))}
        </ul>
      ) : null}

      {editing ? (
        <form
          onSubmit={(event) => void submit(event)}
          noValidate
          aria-labelledby="rule-form-heading"
          className="mt-4 space-y-4 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900"
        >
          <h3 id="rule-form-heading" className="font-semibold">
            {editing.kind === 'new' ? 'New rule' : `Edit “${rules?.[editing.index]?.name ?? ''}”`}
          </h3>
          <p className="text-sm text-slate-600 dark:text-slate-400">A message is proposed when every condition you fill in holds.</p>
          {formProblem ? (
            <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100">
              {formProblem}
            </p>
          ) : null}
          <TextField name="rule-name" label="Name" first={firstField} {...field('name')} />
          <TextField name="rule-from" label="From (address or domain)" placeholder="news@shop.example or shop.example" {...field('from')} />
          <TextField name="rule-subject" label="Subject contains" {...field('subject')} />
          <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
            <FormField name="rule-minSize" label="Larger than" error={field('minSize').error}>
              {(control) => (
                <div className="flex gap-2">
                  <input
                    {...control}
                    type="text"
                    inputMode="decimal"
                    autoComplete="off"
                    value={draft.minSize}
                    onChange={(event) => setDraft((previous) => ({ ...previous, minSize: event.target.value }))}
                  />
                  <select
                    aria-label="Size unit"
                    className="field-input w-20"
                    value={draft.minSizeUnit}
                    onChange={(event) => setDraft((previous) => ({ ...previous, minSizeUnit: event.target.value === 'KB' ? 'KB' : 'MB' }))}
                  >
                    <option value="KB">KB</option>
                    <option value="MB">MB</option>
                  </select>
                </div>
              )}
            </FormField>
            <TextField name="rule-olderThanDays" label="Older than (days)" inputMode="numeric" {...field('olderThanDays')} />
          </div>
          <fieldset className="grid grid-cols-1 gap-4 sm:grid-cols-2">
            <legend className="field-label">A header contains</legend>
            <TextField name="rule-headerName" label="Header name" placeholder="List-Id" {...field('headerName')} />
            <TextField name="rule-headerContains" label="Contains" {...field('headerContains')} />
          </fieldset>
          <div className="flex flex-wrap gap-2">
            <button type="submit" className="btn btn-primary" disabled={saving}>
              {saving ? 'Saving…' : 'Save rule'}
            </button>
            <button type="button" className="btn btn-secondary" onClick={stopEditing}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
    </PanelSheet>
  );
}

interface TextFieldProps {
  name: string;
  label: string;
  value: string;
  error: string | null;
  onChange: (value: string) => void;
  placeholder?: string;
  inputMode?: 'numeric' | 'text';
  first?: RefObject<HTMLInputElement | null>;
}

function TextField({ name, label, value, error, onChange, placeholder, inputMode, first }: TextFieldProps) {
  return (
    <FormField name={name} label={label} error={error}>
      {(control) => (
        <input
          {...control}
          ref={first}
          type="text"
          inputMode={inputMode}
          autoComplete="off"
          spellCheck={false}
          placeholder={placeholder}
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    </FormField>
  );
}
