import { Module } from '@nestjs/common';
import { AddressLimits } from './address-limits.service';

/** The per client address limits of this api process (the per push URL limit lives in the publish script). */
@Module({ providers: [AddressLimits], exports: [AddressLimits] })
export class LimitsModule {}
