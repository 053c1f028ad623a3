// A table's header row from its column names: numeric columns align right, and a column whose
// name only screen readers need (an actions column) keeps it visually hidden.
export type Column = string | { label: string; numeric?: boolean; hidden?: boolean };

export function TableHead({ columns }: { columns: Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => {
          const { label, numeric, hidden } = typeof column === 'string' ? { label: column } : column;
          return (
            <th key={label} scope="col" className={numeric ? 'num' : undefined}>
              {hidden ? <span className="visually-hidden">{label}</span> : label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
