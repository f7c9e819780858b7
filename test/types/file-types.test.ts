import { describe, expectTypeOf, it } from 'vitest';
import type { DocOf, FileHandle, InputOf, PatchOf } from 'trellis';
import { fileSchema } from '../helpers/file-schema.js';

type S = typeof fileSchema.definition;

describe('file fields in inferred types (checked by `npm run typecheck`)', () => {
  it('documents give handles; puts and patches take Blobs (a File is one) or handles', () => {
    expectTypeOf<DocOf<S, 'photos'>>().toEqualTypeOf<{
      id: string;
      image: FileHandle;
      album: FileHandle[];
      caption?: string;
      thumb?: FileHandle | null;
    }>();
    expectTypeOf<InputOf<S, 'photos'>['image']>().toEqualTypeOf<Blob | FileHandle>();
    expectTypeOf<{ id: string; image: File }>().toMatchTypeOf<InputOf<S, 'photos'>>();
    expectTypeOf<{ thumb: null }>().toMatchTypeOf<PatchOf<S, 'photos'>>();
    expectTypeOf<{ image: string }>().not.toMatchTypeOf<PatchOf<S, 'photos'>>();
    expectTypeOf<FileHandle['state']>().toEqualTypeOf<'local' | 'uploading' | 'uploaded' | 'missing' | 'rejected'>();
    expectTypeOf<FileHandle['url']>().returns.toEqualTypeOf<Promise<string>>();
  });
});
