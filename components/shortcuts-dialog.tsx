'use client';

import { ModalDialog } from './modal-dialog';

const SHORTCUTS: Array<[string[], string]> = [
  [['j', '↓'], 'Next message'],
  [['k', '↑'], 'Previous message'],
  [['Space'], 'Peek at the message (headers and first lines)'],
  [['Enter'], 'Open the whole message'],
  [['x'], 'Select or unselect the message'],
  [['#', 'Delete'], 'Mark for deletion (the selected messages, or this one)'],
  [['u'], 'Undo every deletion mark'],
  [['r'], 'Refresh: look for new mail'],
  [['/'], 'Filter by sender or subject (Enter goes to the messages found, keeping the filter)'],
  [['Esc'], 'Close the message; with none open, or in the filter box, clear the filter (words and size) and go back to the list'],
  [['?'], 'Show these shortcuts'],
];

export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <ModalDialog open={open} onClose={onClose} labelledBy="shortcuts-heading">
      <h2 id="shortcuts-heading" className="text-lg font-semibold">
        Keyboard shortcuts
      </h2>
      <table className="mt-4 w-full text-sm">
        <caption className="sr-only">Keys and what they do</caption>
        <thead className="sr-only">
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {SHORTCUTS.map(([keys, action]) => (
            <tr key={action} className="border-b border-slate-100 last:border-0 dark:border-slate-800">
              <td className="py-1.5 pr-4 whitespace-nowrap">
                {keys.map((key, index) => (
                  <span key={key}>
                    {index > 0 ? <span className="px-1 text-slate-600 dark:text-slate-400">or</span> : null}
                    <kbd className="kbd">{key}</kbd>
                  </span>
                ))}
              </td>
              <td className="py-1.5">{action}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="mt-5 flex justify-end">
        <button type="button" className="btn btn-primary" onClick={onClose} autoFocus>
          Close
        </button>
      </div>
    </ModalDialog>
  );
}
