import { CsvParseError, parseCsv, parseLabelledCsv } from '../../src/modules/intelligence/categorizer/csv';

describe('CSV parsing', () => {
  it('when fields are plain, then rows and fields are split on line breaks and commas', () => {
    expect(parseCsv('a,b,c\n1,2,3\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
  });

  it('when a field is quoted, then commas, doubled quotes and line breaks inside it are kept', () => {
    expect(parseCsv('text,category\n"Hi, I ""need"" help\nplease",billing\n')).toEqual([
      ['text', 'category'],
      ['Hi, I "need" help\nplease', 'billing'],
    ]);
  });

  it('when lines end in CRLF, the file starts with a BOM and has no final line break, then it still parses', () => {
    expect(parseCsv('\ufeffa,b\r\n"x\r\ny",z')).toEqual([
      ['a', 'b'],
      ['x\r\ny', 'z'],
    ]);
  });

  it('when fields are empty or quoted empty, then they are empty strings', () => {
    expect(parseCsv(',""\n"",\n')).toEqual([
      ['', ''],
      ['', ''],
    ]);
  });

  it('when a quote is malformed, then it fails with the line number', () => {
    expect(() => parseCsv('a,b\nx"y,z')).toThrow(new CsvParseError('unexpected quote inside a field', 2));
    expect(() => parseCsv('a,b\n"x"y,z')).toThrow(/line 2: unexpected text after a closing quote/);
    expect(() => parseCsv('a\n"never closed\n\n')).toThrow(/line 2: unterminated quoted field/);
  });
});

describe('labelled CSV', () => {
  it('when the header names text and category in any order, then rows become labelled texts, blank ones skipped', () => {
    const csv = 'id,Category,Text\n1,billing," charged twice "\n2,,no label\n\n3,shipping,"where, is it?"\n';
    expect(parseLabelledCsv(csv)).toEqual([
      { text: 'charged twice', label: 'billing' },
      { text: 'where, is it?', label: 'shipping' },
    ]);
  });

  it('when other column names are given, then they are used', () => {
    expect(parseLabelledCsv('body,intent\nhello,greet\n', { text: 'body', label: 'intent' })).toEqual([
      { text: 'hello', label: 'greet' },
    ]);
  });

  it('when a column is missing or the file is empty, then it fails clearly', () => {
    expect(() => parseLabelledCsv('text,label\nx,y\n')).toThrow(
      /must name the columns "text" and "category"/,
    );
    expect(() => parseLabelledCsv('')).toThrow(/no header row/);
  });
});
