import { bytesToHex } from '@ethereumjs/util'
import { loadChainConfig } from '../chain/genesis.js'
import { countRLPBlocks } from '../chain/rlp-count.js'
import type { ImportOptions } from '../config.js'
import { openDatadir } from '../datadir.js'
import { openLiveState } from '../main.js'
import { markFinalized } from '../finality/mark.js'
import { createLogger } from '../log.js'
import { type ImportResult, Importer } from '../sync/importer.js'
import { createProgressReporter } from '../sync/progress.js'

/** Imports the files; resolves with what importFiles reports (the bench reads its timings). */
export async function runImport(options: ImportOptions & { logLevel: string }): Promise<ImportResult | undefined> {
  const log = createLogger({ level: options.logLevel })
  const chain = await loadChainConfig(options.genesisPath)
  const datadir = await openDatadir(
    { path: options.datadir, genesis: chain.genesis, compat: options.compat, retention: options.retention },
    { log },
  )
  try {
    const { executor, liveState } = await openLiveState(datadir, options.state, { log })
    let totalBlocks = 0
    for (const file of options.files) totalBlocks += (await countRLPBlocks(file)) ?? 0
    const progress = createProgressReporter(
      { tty: process.stderr.isTTY ? process.stderr : null, intervalMs: 5000, totalBlocks: totalBlocks || undefined },
      { log },
    )
    const importer = await Importer.create({ datadir, executor, liveState, onEvent: progress.onEvent })
    let result
    let failure: unknown
    try {
      result = await importer.importFiles(options.files)
    } catch (err) {
      failure = err
    }
    // the verified head's state goes to disk, so the next start need not re-execute to reach it
    await liveState.flush()
    const head = await datadir.head()
    if (options.finalized !== null && failure === undefined) {
      const finalized = await markFinalized(datadir, options.finalized)
      log.info({ number: finalized.number.toString(), hash: bytesToHex(finalized.hash) }, 'marked safe and finalized')
    }
    if (failure !== undefined) {
      log.error({ head: head.number.toString(), hash: bytesToHex(head.hash()) }, 'import stopped; the datadir head stays on the last verified block')
      throw failure
    }
    const ms = (value: number) => Math.round(value)
    const timings = result === undefined ? undefined : Object.fromEntries(Object.entries(result.timings).map(([k, v]) => [k, ms(v)]))
    log.info(
      { head: head.number.toString(), hash: bytesToHex(head.hash()), imported: result?.imported, skipped: result?.skipped, timingsMs: timings },
      'import done',
    )
    process.stdout.write(`head ${head.number} ${bytesToHex(head.hash())}\n`)
    return result
  } finally {
    await datadir.close()
  }
}
