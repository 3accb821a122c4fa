// A real Bluesky network on loopback for smmdesk's live tests: a did:plc directory, a PDS
// and an AppView (plus the Ozone moderation service TestNetwork always brings up), all from
// @atproto/dev-env. Started by tests/live/conftest.py; prints one line
//   READY {"plc": "...", "pds": "...", "appview": "...", "ms": ...}
// when every service answers, and shuts down on SIGTERM or SIGINT.
//
// Environment:
//   BSKY_LIVE_DB_URL   PostgreSQL for the AppView and Ozone (default
//                      postgres://postgres@127.0.0.1:5432/bsky_live; the database must exist)
//   BSKY_LIVE_SCHEMA   schema suffix, dropped and created fresh on every start (default
//                      smmdesk): tables live in appview_<suffix> and ozone_<suffix>;
//                      the pytest fixture gives each run its own and drops it afterwards
//   REDIS_HOST         host:port; TestNetwork insists on it (default 127.0.0.1:6379) but
//                      none of the services it starts writes a key there
//   BSKY_LIVE_PLC_PORT, _PDS_PORT, _APPVIEW_PORT, _OZONE_PORT   (2582, 2583, 2584, 2587;
//                      the pytest fixture passes free ones)
'use strict'

const { TestNetwork } = require('@atproto/dev-env')
// pg comes with the AppView (@atproto/bsky); take the copy it uses.
const { Client } = require(require.resolve('pg', { paths: [require.resolve('@atproto/bsky')] }))

const env = process.env
const port = (name, fallback) => Number(env[`BSKY_LIVE_${name}_PORT`] || fallback)
const dbUrl = env.BSKY_LIVE_DB_URL || 'postgres://postgres@127.0.0.1:5432/bsky_live'
const schema = env.BSKY_LIVE_SCHEMA || 'smmdesk'

if (!/^[a-z_]{1,40}$/.test(schema)) { // the AppView takes letters and "_" only
  console.error(`BSKY_LIVE_SCHEMA must be lower-case letters and "_", not ${JSON.stringify(schema)}`)
  process.exit(2)
}

// Rows left by an earlier run name DIDs the new in-memory PLC has never heard of: start clean.
async function dropSchemas() {
  const client = new Client({ connectionString: dbUrl })
  await client.connect()
  try {
    for (const prefix of ['appview_', 'ozone_']) {
      await client.query(`DROP SCHEMA IF EXISTS "${prefix}${schema}" CASCADE`)
    }
  } finally {
    await client.end()
  }
}

async function main() {
  const started = Date.now()
  env.REDIS_HOST = env.REDIS_HOST || '127.0.0.1:6379'
  await dropSchemas()
  const plcPort = port('PLC', 2582)
  const pdsPort = port('PDS', 2583)
  const appviewPort = port('APPVIEW', 2584)
  const ozonePort = port('OZONE', 2587)
  const net = await TestNetwork.create({
    dbPostgresUrl: dbUrl,
    dbPostgresSchema: schema,
    plc: { port: plcPort },
    pds: { port: pdsPort, hostname: 'localhost' },
    bsky: { port: appviewPort, publicUrl: `http://localhost:${appviewPort}` },
    ozone: { port: ozonePort, chatUrl: 'http://localhost:1', chatDid: 'did:example:chat' },
  })
  let closing = false
  const stop = async (signal) => {
    if (closing) return
    closing = true
    try {
      await net.close()
    } catch (err) {
      console.error(`closing after ${signal}:`, err)
      process.exit(1)
    }
    process.exit(0)
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  const urls = {
    plc: `http://127.0.0.1:${plcPort}`,
    pds: `http://127.0.0.1:${pdsPort}`,
    appview: `http://127.0.0.1:${appviewPort}`,
    pds_public: net.pds.url,
    ms: Date.now() - started,
  }
  console.log(`READY ${JSON.stringify(urls)}`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
