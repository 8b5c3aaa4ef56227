/** Structured logs: one JSON object per line, fields beside the message (CloudWatch Logs Insights reads them). */
export type LogLevel = 'info' | 'warn' | 'error';

export interface StructuredLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogSink = (level: LogLevel, message: string, fields: Record<string, unknown>) => void;

const jsonLines: LogSink = (level, message, fields) => {
  const line = JSON.stringify({ level, message, ...fields });
  if (level === 'error') console.error(line);
  else console.log(line);
};

let sink: LogSink = jsonLines;

/** The local stack routes logs to its console output; Lambda keeps JSON lines. */
export function setLogSink(next: LogSink): void {
  sink = next;
}

export const logger: StructuredLogger = {
  info: (message, fields = {}) => sink('info', message, fields),
  warn: (message, fields = {}) => sink('warn', message, fields),
  error: (message, fields = {}) => sink('error', message, fields),
};
