-- The 5-word shingles of a text, hashed: one definition for every model that compares texts.
-- Why: copy detection (int_shingles) and teaser matching (int_teaser_matches) must cut texts the
-- same way, or a teaser would not match the opening it repeats. Words are lowercase letters and
-- digits, so quotes, dashes and spacing do not count.
create or replace temp macro text_words(text) as
    regexp_extract_all(lower(text), '[\p{L}\p{N}]+');

-- A text's words as one string, one space apart (int_document_words stores them so), and back.
-- Why: a stored list of strings costs DuckDB a compressed string per word to write (1.4 CPU s for
-- 20k bodies), one string 0.25 s, and splitting it at spaces is 5x cheaper than text_words again.
-- Words hold no space, so word_list(joined_words(t)) = text_words(t). Pass word_list a column.
create or replace temp macro joined_words(text) as
    array_to_string(text_words(text), ' ');

create or replace temp macro word_list(word_text) as
    if(word_text = '', [], string_split(word_text, ' '));

-- Every position's shingle hash, in reading order (int_copy_pairs finds the longest run two texts
-- share with it). Pass a column of words, not an expression: a macro repeats its argument at every
-- use, here once for every word of the text (text_words inline made int_shingles 50x slower).
create or replace temp macro shingle_hashes(word_list) as
    list_transform(
        range(1, len(word_list) - 3),
        -- hash() of five arguments, not of the joined string: no string is built per position
        -- (5x faster on 100k articles: 8.5 s against 43 s).
        lambda position: hash(
            word_list[position],
            word_list[position + 1],
            word_list[position + 2],
            word_list[position + 3],
            word_list[position + 4]
        )
    );

-- The same hashes sorted, so a shingle the text repeats sits beside its twin (see distinct_hashes).
create or replace temp macro sorted_shingle_hashes(word_list) as
    list_sort(shingle_hashes(word_list));

-- Each hash of a sorted list once: only a neighbour needs comparing (list_distinct hashed every
-- element: splitting, hashing and deduplicating 200k bodies took 11.7 s with it, 10.0 s so).
-- Pass a column (sorted_shingle_hashes of a CTE): it is read once per element.
create or replace temp macro distinct_hashes(sorted_hashes) as
    list_filter(
        sorted_hashes,
        lambda hash_value, position: position = 1 or hash_value <> sorted_hashes[position - 1]
    );

-- The first position of each run of consecutive positions in a sorted list of distinct positions
-- ([3, 4, 5, 9, 10] -> [3, 9]), and the last (-> [5, 10]): the k-th start and the k-th end bound
-- the k-th run. Pass a column: it is read once per element.
create or replace temp macro run_starts(positions) as
    list_filter(positions, lambda position, i: i = 1 or positions[i - 1] <> position - 1);

create or replace temp macro run_ends(positions) as
    list_filter(
        positions, lambda position, i: i = len(positions) or positions[i + 1] <> position + 1
    );
