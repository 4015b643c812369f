-- The 5-word shingles of a text, hashed: one definition for every model that compares texts.
-- Why: copy detection (int_shingles) and teaser matching (int_teaser_matches) must cut texts the
-- same way, or a teaser would not match the opening it repeats. Words are lowercase letters and
-- digits, so quotes, dashes and spacing do not count.
create or replace temp macro text_words(text) as
    regexp_extract_all(lower(text), '[\p{L}\p{N}]+');

-- Pass a column of words, not an expression: a macro repeats its argument at every use, here once
-- for every word of the text (text_words inline made int_shingles 50x slower).
create or replace temp macro shingle_hashes(word_list) as
    list_distinct(
        list_transform(
            range(1, len(word_list) - 3),
            -- hash() of five arguments, not of the joined string: no string is built per
            -- position (5x faster on 100k articles: 8.5 s against 43 s).
            lambda position: hash(
                word_list[position],
                word_list[position + 1],
                word_list[position + 2],
                word_list[position + 3],
                word_list[position + 4]
            )
        )
    );
