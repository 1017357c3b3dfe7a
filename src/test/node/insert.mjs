// Inserts rows with the official ClickHouse Node.js client, default settings, into the URL given, with the
// agent's token as the password; then tries once with a wrong password.
// usage: node insert.mjs <url> <database> <table> <rows> <password>
// Prints one JSON line: {"ping":..., "inserted":n, "selectError":{code, message}, "authError":{code, message}}
import { createClient } from '@clickhouse/client'

const [url, database, table, count, password] = process.argv.slice(2)
const client = createClient({ url, username: 'default', password, database })
const out = {}
try {
  const ping = await client.ping()
  out.ping = ping.success
  const values = []
  for (let i = 0; i < Number(count); i++) {
    values.push({ id: i, name: `node-${i}`, v: i / 2 })
  }
  const r = await client.insert({ table, values, format: 'JSONEachRow' })
  out.inserted = r.executed ? values.length : 0
  out.summary = r.summary ?? null
  try {
    await client.query({ query: `SELECT * FROM ${table}`, format: 'JSONEachRow' })
    out.selectError = null
  } catch (e) {
    out.selectError = { code: e.code, message: e.message }
  }
} finally {
  await client.close()
}
const wrong = createClient({ url, username: 'default', password: `not-${password}`, database })
try {
  await wrong.insert({ table, values: [{ id: -1 }], format: 'JSONEachRow' })
  out.authError = null
} catch (e) {
  out.authError = { code: e.code, message: e.message }
} finally {
  await wrong.close()
}
console.log(JSON.stringify(out))
