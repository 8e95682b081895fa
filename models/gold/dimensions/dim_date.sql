{{
    config(
        indexes=[
            {'columns': ['date_key'], 'unique': true},
            {'columns': ['calendar_date'], 'unique': true},
        ],
    )
}}

{%- set fiscal_start = var('fiscal_year_start_month', 10) -%}

with date_spine as (

    {{ dbt.date_spine(
        datepart='day',
        start_date="cast('2020-01-01' as date)",
        end_date="cast('2031-01-01' as date)",
    ) }}

),

holidays as (

    select * from {{ ref('holidays') }}

),

calendar_parts as (

    select
        cast(date_day as date) as calendar_date,
        cast(extract(year from date_day) as {{ dbt.type_int() }}) as year_number,
        cast(extract(quarter from date_day) as {{ dbt.type_int() }}) as quarter_number,
        cast(extract(month from date_day) as {{ dbt.type_int() }}) as month_number,
        cast(extract(day from date_day) as {{ dbt.type_int() }}) as day_of_month,
        cast(extract(doy from date_day) as {{ dbt.type_int() }}) as day_of_year,
        {{ iso_date_part('isodow', 'date_day') }} as day_of_week,
        {{ iso_date_part('isoweek', 'date_day') }} as iso_week_number,
        {{ iso_date_part('isoyear', 'date_day') }} as iso_year_number,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        cast({{ dbt.last_day('date_day', 'month') }} as date) as month_end_date,
        cast({{ dbt.date_trunc('quarter', 'date_day') }} as date) as quarter_start_date,
        cast({{ dbt.last_day('date_day', 'quarter') }} as date) as quarter_end_date,
        cast({{ dbt.date_trunc('year', 'date_day') }} as date) as year_start_date,
        cast({{ dbt.last_day('date_day', 'year') }} as date) as year_end_date
    from date_spine

),

calendar as (

    select
        -- keys
        year_number * 10000 + month_number * 100 + day_of_month as date_key,
        -- attributes
        calendar_date,
        year_number,
        quarter_number,
        month_number,
        case month_number
            when 1 then 'January'
            when 2 then 'February'
            when 3 then 'March'
            when 4 then 'April'
            when 5 then 'May'
            when 6 then 'June'
            when 7 then 'July'
            when 8 then 'August'
            when 9 then 'September'
            when 10 then 'October'
            when 11 then 'November'
            else 'December'
        end as month_name,
        day_of_month,
        day_of_year,
        day_of_week,
        case day_of_week
            when 1 then 'Monday'
            when 2 then 'Tuesday'
            when 3 then 'Wednesday'
            when 4 then 'Thursday'
            when 5 then 'Friday'
            when 6 then 'Saturday'
            else 'Sunday'
        end as day_name,
        iso_week_number,
        iso_year_number,
        year_number * 100 + month_number as year_month_number,
        {{ dbt.concat([
            dbt.safe_cast('year_number', dbt.type_string()),
            "'-Q'",
            dbt.safe_cast('quarter_number', dbt.type_string()),
        ]) }} as year_quarter_label,
        -- fiscal year starts in month {{ fiscal_start }} and is named after the calendar year it ends in
        year_number + case when month_number >= {{ fiscal_start }} and {{ fiscal_start }} > 1 then 1 else 0 end
            as fiscal_year_number,
        cast(floor(mod(month_number - {{ fiscal_start }} + 12, 12) / 3) as {{ dbt.type_int() }}) + 1
            as fiscal_quarter_number,
        mod(month_number - {{ fiscal_start }} + 12, 12) + 1 as fiscal_month_number,
        month_start_date,
        month_end_date,
        quarter_start_date,
        quarter_end_date,
        year_start_date,
        year_end_date,
        {{ dbt.datediff('month_start_date', 'month_end_date', 'day') }} + 1 as days_in_month,  -- noqa: LT05
        -- flags
        day_of_week in (6, 7) as is_weekend,
        calendar_date = month_start_date as is_month_start,
        calendar_date = month_end_date as is_month_end,
        calendar_date = quarter_end_date as is_quarter_end,
        calendar_date = year_end_date as is_year_end
    from calendar_parts

),

with_holidays as (

    select
        calendar.*,
        holidays.holiday_name,
        holidays.holiday_date is not null as is_holiday,
        not calendar.is_weekend and holidays.holiday_date is null as is_business_day
    from calendar
    left join holidays
        on calendar.calendar_date = holidays.holiday_date

),

unknown_member as (

    select
        {{ unknown_member_key() }} as date_key,
        cast(null as date) as calendar_date,
        cast(null as {{ dbt.type_int() }}) as year_number,
        cast(null as {{ dbt.type_int() }}) as quarter_number,
        cast(null as {{ dbt.type_int() }}) as month_number,
        'Unknown' as month_name,
        cast(null as {{ dbt.type_int() }}) as day_of_month,
        cast(null as {{ dbt.type_int() }}) as day_of_year,
        cast(null as {{ dbt.type_int() }}) as day_of_week,
        'Unknown' as day_name,
        cast(null as {{ dbt.type_int() }}) as iso_week_number,
        cast(null as {{ dbt.type_int() }}) as iso_year_number,
        cast(null as {{ dbt.type_int() }}) as year_month_number,
        'Unknown' as year_quarter_label,
        cast(null as {{ dbt.type_int() }}) as fiscal_year_number,
        cast(null as {{ dbt.type_int() }}) as fiscal_quarter_number,
        cast(null as {{ dbt.type_int() }}) as fiscal_month_number,
        cast(null as date) as month_start_date,
        cast(null as date) as month_end_date,
        cast(null as date) as quarter_start_date,
        cast(null as date) as quarter_end_date,
        cast(null as date) as year_start_date,
        cast(null as date) as year_end_date,
        cast(null as {{ dbt.type_int() }}) as days_in_month,
        false as is_weekend,
        false as is_month_start,
        false as is_month_end,
        false as is_quarter_end,
        false as is_year_end,
        cast(null as {{ dbt.type_string() }}) as holiday_name,
        false as is_holiday,
        false as is_business_day

),

final as (

    select * from with_holidays
    union all
    select * from unknown_member

)

select * from final
