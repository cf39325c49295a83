"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.notFound = exports.forbidden = exports.unauthenticated = exports.invalid = exports.DomainError = void 0;
/** A refusal of the domain, with a code and a message naming the field or resource at fault. */
class DomainError extends Error {
    code;
    field;
    constructor(code, message, 
    /** The input field at fault, when there is one. */
    field) {
        super(message);
        this.code = code;
        this.field = field;
        this.name = 'DomainError';
    }
}
exports.DomainError = DomainError;
const invalid = (field, why) => new DomainError('invalid_input', `${field} ${why}`, field);
exports.invalid = invalid;
const unauthenticated = (why = 'token is missing or unknown') => new DomainError('unauthenticated', why, 'token');
exports.unauthenticated = unauthenticated;
const forbidden = (why) => new DomainError('forbidden', why);
exports.forbidden = forbidden;
const notFound = (why) => new DomainError('not_found', why);
exports.notFound = notFound;
//# sourceMappingURL=errors.js.map