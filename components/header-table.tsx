import type { HeaderField } from './api-client';

/** Every header as the server sent it, in order, under a disclosure. */
export function HeaderTable({ headers, summary = 'All headers' }: { headers: HeaderField[]; summary?: string }) {
  if (headers.length === 0) return null;
  return (
    <details className="group mt-3 text-sm">
      <summary className="cursor-pointer text-slate-700 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white">
        {summary} ({headers.length})
      </summary>
      <div className="mt-2 max-h-80 overflow-auto rounded-md border border-slate-200 dark:border-slate-700">
        <table className="w-full border-collapse text-left font-mono text-xs">
          <caption className="sr-only">Message headers</caption>
          <thead className="sr-only">
            <tr>
              <th scope="col">Header</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {headers.map((header, index) => (
              <tr key={index} className="border-b border-slate-100 align-top last:border-0 dark:border-slate-800">
                <th scope="row" className="px-2 py-1 font-semibold whitespace-nowrap text-slate-700 dark:text-slate-300">
                  {header.name}
                </th>
                <td className="px-2 py-1 break-all whitespace-pre-wrap text-slate-900 dark:text-slate-100">{header.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
