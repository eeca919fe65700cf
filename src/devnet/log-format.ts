import { Writable } from 'node:stream'
import { pino } from 'pino'
import type { Logger } from '../log.js'

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }
const WIDTH = 8

/**
 * One line of a devnet process's output as a person reads it: `12:00:01 follower INFO imported
 * number=12 txs=5`. A pino JSON line is unpacked (time, level, message, then the other fields);
 * anything else is passed on behind the source's name.
 */
export function formatLogLine(source: string, line: string, options: { color?: boolean } = {}): string {
  const prefix = source.padEnd(WIDTH)
  let record: Record<string, unknown>
  try {
    record = JSON.parse(line) as Record<string, unknown>
    if (typeof record !== 'object' || record === null || typeof record.level !== 'number') throw new Error('not pino')
  } catch {
    return `${clock(Date.now())} ${prefix} ${line}`
  }
  const { time, level, msg, ...fields } = record
  const levelName = LEVELS[level as number] ?? String(level)
  const painted = options.color ? paint(level as number, levelName) : levelName
  const rest = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${formatValue(value)}`)
  return [clock(typeof time === 'number' ? time : Date.now()), prefix, painted, String(msg ?? ''), ...rest].join(' ')
}

/**
 * A pino logger whose lines go to stderr through formatLogLine, so the devnet's own logs and the
 * traffic's read like the follower's forwarded ones.
 */
export function createDevnetLogger(source: string, options: { level: string }): Logger {
  const color = process.stderr.isTTY === true
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line !== '') process.stderr.write(formatLogLine(source, line, { color }) + '\n')
      }
      callback()
    },
  })
  return pino({ level: options.level, base: undefined }, stream)
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)
  return JSON.stringify(value)
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19)
}

function paint(level: number, text: string): string {
  if (level >= 50) return `\x1b[31m${text}\x1b[0m`
  if (level >= 40) return `\x1b[33m${text}\x1b[0m`
  return text
}
