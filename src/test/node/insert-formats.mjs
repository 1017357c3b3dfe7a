// Inserts the same three rows with the official ClickHouse Node.js client in JSONCompactEachRow, CSV (once
// with a format_csv_delimiter setting) and TabSeparated, each into its own table, with the agent's token
// as the password.
// usage: node insert-formats.mjs <url> <database> <password>
// Prints one JSON line: {"JSONCompactEachRow": true, "CSV": true, "CSVsemicolon": true, "TabSeparated": true}
import { Readable } from 'node:stream'
import { createClient } from '@clickhouse/client'

const [url, database, password] = process.argv.slice(2)
const client = createClient({ url, username: 'default', password, database })
const out = {}
try {
  let r = await client.insert({
    table: 'node_jcer',
    values: [[1, 'a'], [2, 'tab\there'], [3, 'quote " and \\ backslash']],
    format: 'JSONCompactEachRow',
  })
  out.JSONCompactEachRow = r.executed
  r = await client.insert({
    table: 'node_csv',
    values: Readable.from(['1,a\n2,"tab\there"\n', '3,"quote "" and \\ backslash"\n'], { objectMode: false }),
    format: 'CSV',
  })
  out.CSV = r.executed
  r = await client.insert({
    table: 'node_csv_semicolon',
    values: Readable.from(['1;a\n2;"tab\there"\n3;"quote "" and \\ backslash"\n'], { objectMode: false }),
    format: 'CSV',
    clickhouse_settings: { format_csv_delimiter: ';' },
  })
  out.CSVsemicolon = r.executed
  r = await client.insert({
    table: 'node_tsv',
    values: Readable.from(['1\ta\n2\ttab\\there\n3\tquote " and \\\\ backslash\n'], { objectMode: false }),
    format: 'TabSeparated',
  })
  out.TabSeparated = r.executed
} finally {
  await client.close()
}
console.log(JSON.stringify(out))
