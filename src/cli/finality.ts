import type { Command } from 'commander'
import { openDatadir } from '../datadir.js'
import { clearFinalityAlarm } from '../finality/alarm.js'
import { pointerNumber } from '../storage/store.js'
import { createLogger } from '../log.js'

/**
 * `hindsight finality clear-alarm --datadir DIR`: the operator has looked into a finality alarm
 * (an anchor or the upstream's finalized block that disagreed with our re-execution) and lets
 * the tracker go on. The node must be stopped (the datadir is locked while it runs). If the cause
 * is still there, the next start raises the alarm again.
 */
export function addFinalityCommand(program: Command): void {
  const finality = program.command('finality').description('inspect and clear the finality alarm')
  finality
    .command('status')
    .description("print the datadir's safe and finalized blocks and any raised alarm, as JSON")
    .requiredOption('--datadir <dir>', 'data directory (of a stopped node)')
    .action(async (opts: { datadir: string }) => {
      const datadir = await openDatadir({ path: opts.datadir }, { log: createLogger({ level: 'warn' }) })
      try {
        const { store } = datadir
        const number = async (name: 'safe' | 'finalized') => (await pointerNumber(store, name))?.toString() ?? null
        const alarm = await store.meta.getJSON('finalityAlarm')
        process.stdout.write(`${JSON.stringify({ head: (await datadir.head()).number.toString(), safe: await number('safe'), finalized: await number('finalized'), alarm })}\n`)
      } finally {
        await datadir.close()
      }
    })
  finality
    .command('clear-alarm')
    .description('clear a raised finality alarm so the tracker checks the anchors again')
    .requiredOption('--datadir <dir>', 'data directory (of a stopped node)')
    .action(async (opts: { datadir: string }) => {
      const log = createLogger({ level: 'info' })
      const datadir = await openDatadir({ path: opts.datadir }, { log })
      try {
        const cleared = await clearFinalityAlarm(datadir)
        if (cleared === null) log.info('no finality alarm was raised')
        else log.warn({ cleared }, 'finality alarm cleared')
      } finally {
        await datadir.close()
      }
    })
}
