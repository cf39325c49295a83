import { HttpException, HttpStatus } from '@nestjs/common';

/** A 405 that carries the methods the resource does allow (sent as the Allow header). */
export class MethodNotAllowedException extends HttpException {
  constructor(
    readonly allow: readonly string[],
    message: string,
  ) {
    super(message, HttpStatus.METHOD_NOT_ALLOWED);
  }
}
