import { Provider } from '@nestjs/common';
import { systemClock } from '@push/domain';

/** Injection token of the Clock; tests provide a manual one. */
export const CLOCK = Symbol('CLOCK');

/** The system clock. */
export const clockProvider: Provider = { provide: CLOCK, useValue: systemClock };
