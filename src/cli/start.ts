import type { StartOptions } from '../config.js'
import { createLogger } from '../log.js'
import { startNode } from '../main.js'
import { exitWithError } from './exit.js'

export async function runStart(options: StartOptions & { logLevel: string }): Promise<void> {
  const log = createLogger({ level: options.logLevel })
  const node = await startNode(options, { log })
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down')
    await node.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
  // a chain file that fails verification ends the process like `hindsight import` does, after
  // the verified head's state is flushed
  node.imported.catch(async (err) => {
    if (stopping) return
    stopping = true
    await node.close()
    exitWithError(err)
  })
}
