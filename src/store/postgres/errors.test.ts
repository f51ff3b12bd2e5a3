import { DatabaseError } from 'pg';
import { describe, expect, it } from 'vitest';
import { makeScrubber } from '../../log/scrub.js';
import { StorageUnavailableError } from '../../util/storage-unavailable.js';
import { asStorageError, describeError, postgresCondition } from './errors.js';

function serverError(code: string, message: string): DatabaseError {
  const error = new DatabaseError(message, message.length, 'error');
  error.code = code;
  return error;
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.5:5432`), { code });
}

describe('postgresCondition', () => {
  it('counts a server going away or a connection that cannot be made as unreachable', () => {
    for (const error of [
      serverError('57P01', 'terminating connection due to administrator command'),
      serverError('57P03', 'the database system is starting up'),
      serverError('08006', 'connection failure'),
      socketError('ECONNREFUSED'),
      socketError('ETIMEDOUT'),
      new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNREFUSED')]),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
    ]) {
      expect(postgresCondition(error), describeError(error)).toBe('unreachable');
    }
  });

  it('counts a server that is there but cannot commit now as refused', () => {
    for (const code of ['53100', '53300', '25006', '40001', '40P01', '57014', '28P01']) {
      expect(postgresCondition(serverError(code, 'no')), code).toBe('refused');
    }
  });

  it('leaves errors that mean a bug alone', () => {
    for (const error of [serverError('23505', 'duplicate key'), serverError('42P01', 'relation does not exist'), serverError('22021', 'invalid byte sequence'), new TypeError('x is undefined'), 'text']) {
      expect(postgresCondition(error)).toBeUndefined();
    }
  });
});

describe('asStorageError', () => {
  const scrub = makeScrubber(['hunter2-secret']);

  it('words a condition from its code and message, scrubbed, and keeps the error as its cause', () => {
    const cause = serverError('28P01', 'password "hunter2-secret" is wrong');
    const error = asStorageError(cause, 'db:5432/amcord', scrub);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(error.message).toBe('PostgreSQL at db:5432/amcord cannot commit (28P01 password "<redacted>" is wrong)');
    expect(error.cause).toBe(cause);
    expect(asStorageError(new AggregateError([socketError('ECONNREFUSED')]), 'db:5432/amcord', scrub).message).toBe(
      'PostgreSQL at db:5432/amcord is unreachable (connect ECONNREFUSED 10.0.0.5:5432)',
    );
  });

  it('passes a bug through as it is', () => {
    const bug = serverError('23505', 'duplicate key');
    expect(asStorageError(bug, 'db', scrub)).toBe(bug);
  });
});
