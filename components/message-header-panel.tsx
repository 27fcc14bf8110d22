import type { Address, HeaderField } from './api-client';
import { addressList, fullAddress } from './format-address';
import { formatLongDate } from './format-date';
import { formatSize } from './format-size';
import { HeaderTable } from './header-table';

interface MessageHeaderPanelProps {
  headingId: string;
  subject: string | null;
  from: Address | null;
  to: Address[];
  cc?: Address[];
  replyTo?: Address[];
  date: string | null;
  size: number;
  headerList: HeaderField[];
}

/** Subject, the people, date and size; every raw header under a disclosure. */
export function MessageHeaderPanel(props: MessageHeaderPanelProps) {
  const rows: Array<[string, string]> = [];
  rows.push(['From', props.from ? fullAddress(props.from) : '(unknown sender)']);
  if (props.to.length) rows.push(['To', addressList(props.to)]);
  if (props.cc?.length) rows.push(['Cc', addressList(props.cc)]);
  if (props.replyTo?.length) rows.push(['Reply-To', addressList(props.replyTo)]);
  rows.push(['Date', formatLongDate(props.date)]);
  rows.push(['Size', formatSize(props.size)]);
  return (
    <div>
      <h2 id={props.headingId} className="text-xl font-semibold tracking-tight break-words">
        {props.subject?.trim() || '(no subject)'}
      </h2>
      <dl className="mt-3 grid grid-cols-[4.5rem_1fr] gap-x-3 gap-y-1 text-sm">
        {rows.map(([label, value]) => (
          <div key={label} className="contents">
            <dt className="text-slate-600 dark:text-slate-400">{label}</dt>
            <dd className="min-w-0 break-words text-slate-900 dark:text-slate-100">{value}</dd>
          </div>
        ))}
      </dl>
      <HeaderTable headers={props.headerList} />
    </div>
  );
}
