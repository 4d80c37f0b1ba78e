import { describe, expect, it } from 'vitest';
import { formatSize, isSideways, pageTransform, pagesLabel, refusalText } from './scans';

describe('scan helpers', () => {
  it('formats sizes and pages as the desk reads them', () => {
    expect(formatSize(4_200_000)).toBe('4.2 MB');
    expect(formatSize(830_400)).toBe('830 KB');
    expect(formatSize(512)).toBe('512 bytes');
    expect(pagesLabel(1)).toBe('1 page');
    expect(pagesLabel(3)).toBe('3 pages');
  });

  it('turns a page upright by its EXIF orientation, then by the user', () => {
    expect(pageTransform(1, 0)).toBe('rotate(0deg)');
    expect(pageTransform(6, 0)).toBe('rotate(90deg)');
    expect(pageTransform(6, 1)).toBe('rotate(180deg)');
    expect(pageTransform(8, -1)).toBe('rotate(180deg)');
    expect(pageTransform(2, 0)).toBe('rotate(0deg) scaleX(-1)');
    expect(pageTransform(99, 3)).toBe('rotate(270deg)');
    expect(isSideways(1, 1)).toBe(true);
    expect(isSideways(6, 0)).toBe(true);
    expect(isSideways(6, 1)).toBe(false);
    expect(isSideways(1, -2)).toBe(false);
  });

  it('says why a file was refused', () => {
    expect(
      refusalText({ code: 'scan_refused', message: 'The file was refused: the file is empty.' }),
    ).toBe('The file was refused: the file is empty.');
    expect(refusalText({ code: 'forbidden', message: 'x' })).toBe('Your role cannot import scans.');
    expect(refusalText('boom')).toBe('Boom');
  });
});
