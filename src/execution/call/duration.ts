/**
 * Go's time.Duration notation, which geth uses for --rpc.evmtimeout and in its timeout error
 * ("execution aborted (timeout = 5s)").
 */

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/**
 * Milliseconds from a Go duration ("5s", "1m30s", "250ms", "1.5s") or a bare number of
 * milliseconds ("5000"). Returns null for anything else.
 */
export function parseDuration(text: string): number | null {
  const input = text.trim()
  if (/^\d+(\.\d+)?$/.test(input)) return Number(input)
  if (input === '0') return 0
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y
  let ms = 0
  let at = 0
  while (at < input.length) {
    part.lastIndex = at
    const match = part.exec(input)
    if (match === null) return null
    ms += Number(match[1]) * UNIT_MS[match[2]]
    at = part.lastIndex
  }
  return at === 0 ? null : ms
}

/** A duration in milliseconds as Go's Duration.String() prints it: "5s", "500ms", "1m30s", "1h0m0s". */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s'
  if (ms < 1) return `${trim(ms * 1000)}µs`
  if (ms < 1000) return `${trim(ms)}ms`
  const hours = Math.floor(ms / 3_600_000)
  const minutes = Math.floor((ms % 3_600_000) / 60_000)
  const seconds = (ms % 60_000) / 1000
  let out = ''
  if (hours > 0) out += `${hours}h`
  if (hours > 0 || minutes > 0) out += `${minutes}m`
  return `${out}${trim(seconds)}s`
}

/** A number without float noise or trailing zeros (Go prints at most nine fractional digits). */
function trim(value: number): string {
  return String(Number(value.toFixed(9)))
}
