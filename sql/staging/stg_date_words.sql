-- One row per month or weekday name in one language (data/reference/date_words.csv), lowercase.
-- Why: pages in French, Polish, Russian, Hindi, Arabic... state their dates in their own words
-- ("8 maja 2025", "8 мая 2025"); the date models find a word next to a day and a year and look it
-- up here, instead of carrying one giant regular expression per language.
-- @grain language_code, kind, word
select
    trim(language) as language_code, -- ISO 639-1 code: en, fr, de, es, it, pt, pl, nl, ru, uk, tr, id, sv, ro, cs, hi, ar
    trim(kind) as kind, -- month or weekday
    try_cast(number as integer) as number, -- 1-12 for a month, 1 (Monday) to 7 (Sunday) for a weekday
    lower(trim(word)) as word -- the name as written, full, abbreviated or in the genitive ("maja", "мая")
from raw.date_words
