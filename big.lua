for lead in leads{ where = [[company_size >= 50]] } do print(lead.email) end
