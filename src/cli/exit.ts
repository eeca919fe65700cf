import { NodeError } from '../errors.js'

/** Prints an error the way a user should read it and exits non-zero. */
export function exitWithError(err: unknown): never {
  if (err instanceof NodeError) {
    process.stderr.write(`hindsight: error [${err.code}]: ${err.message}\n`)
    process.exit(1)
  }
  process.stderr.write(`hindsight: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(2)
}
