-- Scores (0 to 1) of how well a candidate publication date fits an article's time expressions.
-- Why: one arithmetic scores both an article's own candidate dates and those its copies suggest,
-- so it lives here once; the runner creates these macros before it builds any model. The weights
-- were read off 118 Wikinews articles with known dates (bench/quality.py): weekday mentions fall
-- on the publication day or the day before equally often; stated month-days lie within a month
-- either side; bare month names are mostly the month before.

-- The share of weekday mentions that fall on the date, the day before, or a few days before. The
-- day and the day before count the same: 29 of the 79 weekday mentions in bench/quality.py's
-- Wikinews articles fall on each. (The day had counted 1.0 against 0.8 to settle a story fetched
-- the day after it appeared; that overruled the fetch hour, which now settles it. At 1.0: inverted
-- headers with only the text 0.20 -> 0.24, undated articles 0.774 -> 0.784 over --seed 1..6.)
create or replace temp macro weekday_support(weekday_counts, weekday_total, candidate) as
    case
        when weekday_total = 0 then 0
        else (
            weekday_counts[isodow(candidate)]
            + weekday_counts[isodow(candidate - 1)]
            + 0.3 * weekday_counts[isodow(candidate - 2)]
            + 0.2 * weekday_counts[isodow(candidate - 3)]
            + 0.1 * weekday_counts[isodow(candidate + 1)]
        ) / weekday_total
    end;

-- The best fit of the stated month-days ("Monday (Jun 2)", "held on May 16"): full on the date,
-- less within a week either way, a little within a month.
create or replace temp macro month_day_support(month_days, candidate) as
    coalesce(
        list_max(
            list_transform(
                -- Days between each stated month-day and the candidate, computed once per stated
                -- day (as a case over the date itself it was computed three times).
                list_transform(
                    month_days,
                    lambda stated: abs(date_diff(
                        'day',
                        try(make_date(coalesce(stated.year, year(candidate)), stated.month, stated.day)),
                        candidate
                    ))
                ),
                lambda days_apart: case
                    when days_apart = 0 then 1.0
                    when days_apart <= 7 then 0.5
                    when days_apart <= 31 then 0.25
                    else 0.0
                end
            )
        ),
        0.0
    );

-- The share of bare month names ("in March") that are one of the three months before the date's;
-- a month with another year than the date's does not count. The date's own month counts hardly
-- at all: news names its own month by the day ("on March 3"), so of the 69 bare month names in
-- bench/quality.py's 118 Wikinews articles 18 are the month before publication, 10 and 8 the two
-- before that, and 1 the month itself. At 0.5 a story naming "July" kept its inverted header
-- " date 2011-07-06" against a night of June news; at 0.05 inverted headers in a night go
-- 0.94 -> 0.96 (2 repaired, 1 lost: the one story of 7 May looking ahead to "late May").
create or replace temp macro month_support(months, candidate) as
    coalesce(
        list_avg(
            list_transform(
                months,
                lambda named: case
                    when named.year is not null and named.year not in (year(candidate), year(candidate) - 1)
                        then 0.0
                    else [0.05, 1.0, 0.6, 0.4, 0, 0, 0, 0, 0, 0, 0, 0][
                        ((month(candidate) - named.month + 12) % 12) + 1
                    ]
                end
            )
        ),
        0.0
    );

-- All the text's support for a candidate date, as one score. A bare month is weak evidence (an
-- article names coming months too), so it counts a quarter.
create or replace temp macro text_support(weekday_counts, weekday_total, month_days, months, candidate) as
    weekday_support(weekday_counts, weekday_total, candidate)
    + month_day_support(month_days, candidate)
    + 0.25 * month_support(months, candidate);

-- How clearly a date's score beat the runner-up's, 0 to 1: an article's own date and its
-- published date are rated alike (0.1 keeps a lone weak date from scoring 1).
create or replace temp macro date_confidence(best_score, runner_up_score) as
    round(best_score / (best_score + runner_up_score + 0.1), 3);

-- The date of a year, month and day read from text, null when there is no such day (31 February,
-- month 13) or a part is missing. A string cast, not try(make_date(...)): try() falls back to
-- row-by-row evaluation whenever one row of a chunk errs, and read dates often do.
create or replace temp macro day_of(year_number, month_number, day_number) as
    try_cast(printf('%04d-%02d-%02d', year_number, month_number, day_number) as date);
