import type { StartOptions } from '../config.js'

export async function runStart(_options: StartOptions & { logLevel: string }): Promise<void> {
  throw new Error('start: not wired yet')
}
