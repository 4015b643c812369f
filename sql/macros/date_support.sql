-- Scores (0 to 1) of how well a candidate publication date fits an article's time expressions.
-- Why: one arithmetic scores both an article's own candidate dates and those its copies suggest,
-- so it lives here once; the runner creates these macros before it builds any model.

-- A story names its publication day and the days just before it ("said Monday", "on Sunday"),
-- seldom a later one: the share of weekday mentions that fall on the date or the two days before.
create or replace temp macro weekday_support(weekday_counts, weekday_total, candidate) as
    case
        when weekday_total = 0 then 0
        else (
            weekday_counts[isodow(candidate)]
            + 0.5 * weekday_counts[isodow(candidate - 1)]
            + 0.25 * weekday_counts[isodow(candidate - 2)]
        ) / weekday_total
    end;

-- A stated month and day ("Monday (Jun 2)", "held on May 16") is the publication day or before it:
-- the best fit over the stated dates, full when one is the date itself.
create or replace temp macro month_day_support(month_days, candidate) as
    coalesce(
        list_max(
            list_transform(
                month_days,
                lambda stated: case date_diff(
                        'day',
                        try(make_date(coalesce(stated.year, year(candidate)), stated.month, stated.day)),
                        candidate
                    )
                    when 0 then 1.0
                    when 1 then 0.8
                    else case
                        when date_diff(
                            'day',
                            try(make_date(coalesce(stated.year, year(candidate)), stated.month, stated.day)),
                            candidate
                        ) between 2 and 7 then 0.4
                        else 0.0
                    end
                end
            )
        ),
        0.0
    );
