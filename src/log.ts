import { pino, type Logger } from 'pino'

export type { Logger }

export interface LogOptions {
  level: string
}

/** Structured JSON logs on stderr, so stdout stays free for command output. */
export function createLogger(options: LogOptions): Logger {
  return pino({ level: options.level, base: undefined }, pino.destination({ dest: 2, sync: true }))
}
