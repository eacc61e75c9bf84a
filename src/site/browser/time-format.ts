/** Times as the reader reads them: their locale, their time zone. */
const readerTime = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

export function formatReaderTime(iso: string): string {
  return readerTime.format(new Date(iso));
}
