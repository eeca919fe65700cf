import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

/**
 * The execution-apis rpc-compat suite lives outside the repo (../shared/conformance/rpc-compat);
 * HINDSIGHT_CONFORMANCE_DIR points at another copy in the same format (e.g. a fuller set).
 */
export const CONFORMANCE_DIR = resolve(
  process.env.HINDSIGHT_CONFORMANCE_DIR ?? join(import.meta.dirname, '../../../shared/conformance/rpc-compat'),
)

export function conformanceAvailable(): boolean {
  return existsSync(join(CONFORMANCE_DIR, 'chain.rlp')) && existsSync(join(CONFORMANCE_DIR, 'genesis.json'))
}

export function conformanceMissingMessage(): string {
  return `conformance suite not found at ${CONFORMANCE_DIR}: expected ../shared/conformance/rpc-compat beside the repo (or set HINDSIGHT_CONFORMANCE_DIR)`
}

export interface ConformanceExchange {
  request: string
  response: string
}

export interface ConformanceCase {
  method: string
  name: string
  file: string
  /** "speconly": only the response's shape is checked, not its values. */
  specOnly: boolean
  exchanges: ConformanceExchange[]
}

/** Reads every `<method>/<case>.io` file: `>>` request lines, `<<` response lines, `//` comments. */
export function loadConformanceCases(dir = CONFORMANCE_DIR): ConformanceCase[] {
  const cases: ConformanceCase[] = []
  for (const method of readdirSync(dir, { withFileTypes: true })) {
    if (!method.isDirectory()) continue
    for (const file of readdirSync(join(dir, method.name)).sort()) {
      if (!file.endsWith('.io')) continue
      const path = join(dir, method.name, file)
      const lines = readFileSync(path, 'utf8').split('\n')
      const exchanges: ConformanceExchange[] = []
      let specOnly = false
      for (const line of lines) {
        if (line.startsWith('//')) {
          if (/speconly/.test(line)) specOnly = true
        } else if (line.startsWith('>>')) {
          exchanges.push({ request: line.slice(2).trim(), response: '' })
        } else if (line.startsWith('<<')) {
          exchanges[exchanges.length - 1].response = line.slice(2).trim()
        }
      }
      cases.push({ method: method.name, name: file.replace(/\.io$/, ''), file: path, specOnly, exchanges })
    }
  }
  return cases
}
