-- One row per story (articles about one event): who published it first and when, which outlets
-- ran it, and how many distinct texts and copies it has.
-- Why: "which outlets ran this story, and who wrote it first?" and "how many distinct articles,
-- not copies, did we get?" are the questions a news warehouse is for.
-- @grain story_id
with firsts as (
    -- The earliest dated article; ties go to the one ingested first.
    select
        story_id,
        arg_min(article_id, (published_date, ingested_at, article_id)) as first_article_id
    from main.articles
    where published_date is not null
    group by story_id
)

select
    members.story_id, -- the story (articles.story_id)
    min(members.published_date) as first_published_date, -- when the story first ran
    any_value(firsts.first_article_id) as first_article_id, -- the article that ran first
    arg_min(members.outlet, (members.published_date, members.ingested_at, members.article_id))
        filter (where members.published_date is not null) as first_outlet, -- its outlet
    arg_min(members.title, (members.published_date is null, members.published_date, members.article_id))
        filter (where members.title is not null) as title, -- the earliest title found
    list(distinct members.outlet order by members.outlet) filter (where members.outlet is not null)
        as outlets, -- the outlets that ran it
    count(distinct members.outlet) as outlet_count, -- how many outlets ran it
    list(distinct members.wire_agency order by members.wire_agency)
        filter (where members.wire_agency is not null) as wire_agencies, -- the agencies its texts are credited to
    count(*) as articles, -- articles in the story, copies included
    count(distinct members.copy_group_id) as distinct_texts, -- articles that are not copies of each other
    count(*) - count(distinct members.copy_group_id) as copies, -- articles that are copies of another in the story
    max(members.published_date) as last_published_date -- when it last ran
from main.articles as members
left join firsts
    using (story_id)
group by members.story_id
