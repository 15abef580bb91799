/** The part of a cron expression an error is about. */
export type CronFieldName = 'second' | 'minute' | 'hour' | 'day-of-month' | 'month' | 'day-of-week';

/**
 * A spec that cannot be used. `field` is the input field (`cron`, `every`, `timezone`…), `value`
 * what was given; for cron errors `cronField` says which part of the expression is wrong. The
 * message is meant to be shown to users as is.
 */
export class SpecError extends Error {
  override readonly name = 'SpecError';
  readonly field: string;
  readonly value: unknown;
  readonly cronField: CronFieldName | undefined;

  constructor(field: string, value: unknown, message: string, cronField?: CronFieldName) {
    super(message);
    this.field = field;
    this.value = value;
    this.cronField = cronField;
  }
}
